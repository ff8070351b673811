"""What each furniture and object category looks like in the simulated house.

Furniture local frame: width along local x, depth along local y, height along z; the front (where a
door is, and where the robot stands to use it) faces local +y. Yaw rotates that frame about z.
Unknown categories get a plain box of middling size, labelled with their category.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FurnitureShape:
    """Outer box of a piece of furniture and the height things rest at on/in it."""

    width: float
    depth: float
    height: float
    color: tuple[float, float, float, float]
    inner_shelf: float | None = None  # openable furniture: height of the shelf objects sit on inside

    def support_height(self, openable: bool) -> float:
        if openable and self.inner_shelf is not None:
            return self.inner_shelf
        return self.height


@dataclass(frozen=True)
class ObjectShape:
    """A movable object's primitive: 'box' (size = x, y, z), 'cylinder' (radius, height), 'sphere' (radius)."""

    kind: str
    size: tuple[float, ...]
    color: tuple[float, float, float, float]

    @property
    def height(self) -> float:
        if self.kind == "box":
            return self.size[2]
        if self.kind == "cylinder":
            return self.size[1]
        return 2.0 * self.size[0]

    @property
    def resting_heights(self) -> tuple[float, ...]:
        """How tall it stands as made, then lying on each other face.

        A flat thing that slid off a top and leans on its edge is as tall as it is long.
        """
        lying: tuple[float, ...] = ()
        if self.kind == "box":
            lying = (self.size[1], self.size[0])
        elif self.kind == "cylinder":
            lying = (2.0 * self.size[0],)
        return tuple(dict.fromkeys((self.height, *lying)))

    @property
    def footprint_radius(self) -> float:
        if self.kind == "box":
            return 0.5 * max(self.size[0], self.size[1])
        return self.size[0]


_WOOD = (0.55, 0.38, 0.22, 1.0)
_WHITE = (0.92, 0.92, 0.9, 1.0)
_GREY = (0.6, 0.6, 0.62, 1.0)

FURNITURE_SHAPES: dict[str, FurnitureShape] = {
    "counter": FurnitureShape(2.0, 0.6, 0.9, (0.75, 0.72, 0.68, 1.0)),
    "fridge": FurnitureShape(0.8, 0.7, 1.8, _WHITE, inner_shelf=0.9),
    "table": FurnitureShape(1.2, 0.8, 0.75, _WOOD),
    "dining_table": FurnitureShape(1.6, 0.9, 0.75, _WOOD),
    "coffee_table": FurnitureShape(1.0, 0.6, 0.45, (0.45, 0.3, 0.2, 1.0)),
    "desk": FurnitureShape(1.2, 0.6, 0.75, (0.5, 0.42, 0.35, 1.0)),
    "shelf": FurnitureShape(1.0, 0.35, 1.2, _WOOD),
    "bookshelf": FurnitureShape(1.0, 0.35, 1.4, (0.4, 0.28, 0.18, 1.0)),
    "cabinet": FurnitureShape(0.8, 0.45, 0.9, (0.7, 0.65, 0.55, 1.0), inner_shelf=0.4),
    "cupboard": FurnitureShape(0.8, 0.45, 1.6, (0.7, 0.65, 0.55, 1.0), inner_shelf=0.8),
    "wardrobe": FurnitureShape(1.0, 0.6, 1.9, (0.6, 0.5, 0.4, 1.0), inner_shelf=1.0),
    "closet": FurnitureShape(1.0, 0.6, 1.9, (0.6, 0.5, 0.4, 1.0), inner_shelf=1.0),
    "microwave": FurnitureShape(0.6, 0.5, 1.0, (0.3, 0.3, 0.32, 1.0), inner_shelf=0.6),
    "oven": FurnitureShape(0.6, 0.6, 0.9, (0.25, 0.25, 0.27, 1.0), inner_shelf=0.45),
    "dishwasher": FurnitureShape(0.6, 0.6, 0.85, _GREY, inner_shelf=0.4),
    "washing_machine": FurnitureShape(0.6, 0.6, 0.85, _WHITE, inner_shelf=0.4),
    "sink": FurnitureShape(0.8, 0.6, 0.9, (0.8, 0.82, 0.85, 1.0)),
    "sofa": FurnitureShape(2.0, 0.9, 0.45, (0.3, 0.35, 0.55, 1.0)),
    "couch": FurnitureShape(2.0, 0.9, 0.45, (0.3, 0.35, 0.55, 1.0)),
    "chair": FurnitureShape(0.5, 0.5, 0.45, _WOOD),
    "armchair": FurnitureShape(0.8, 0.8, 0.45, (0.55, 0.3, 0.3, 1.0)),
    "bed": FurnitureShape(2.0, 1.6, 0.5, (0.85, 0.85, 0.95, 1.0)),
    "nightstand": FurnitureShape(0.5, 0.4, 0.55, _WOOD),
    "side_table": FurnitureShape(0.5, 0.5, 0.6, _WOOD),
    "dresser": FurnitureShape(1.0, 0.5, 0.8, (0.5, 0.35, 0.25, 1.0), inner_shelf=0.4),
    "tv_stand": FurnitureShape(1.4, 0.4, 0.5, (0.2, 0.2, 0.2, 1.0)),
    "bench": FurnitureShape(1.2, 0.4, 0.45, _WOOD),
    "workbench": FurnitureShape(1.6, 0.7, 0.9, (0.5, 0.45, 0.3, 1.0)),
    "washbasin": FurnitureShape(0.6, 0.45, 0.85, _WHITE),
    "chest": FurnitureShape(0.9, 0.5, 0.5, (0.45, 0.32, 0.2, 1.0), inner_shelf=0.1),
    # look-alike tables keep apart by size and colour: kitchen table (pale pine), coffee table, desk, dining table
    "kitchen_table": FurnitureShape(1.1, 0.75, 0.76, (0.8, 0.68, 0.48, 1.0)),
    "console_table": FurnitureShape(1.1, 0.35, 0.8, (0.3, 0.22, 0.16, 1.0)),
    "shoe_rack": FurnitureShape(0.9, 0.35, 0.5, (0.35, 0.35, 0.38, 1.0)),
    "filing_cabinet": FurnitureShape(0.5, 0.6, 1.0, (0.45, 0.47, 0.5, 1.0), inner_shelf=0.5),
    "sideboard": FurnitureShape(1.6, 0.45, 0.85, (0.38, 0.26, 0.18, 1.0), inner_shelf=0.4),
    "ottoman": FurnitureShape(0.7, 0.7, 0.42, (0.6, 0.45, 0.35, 1.0)),
    "toy_chest": FurnitureShape(0.8, 0.45, 0.5, (0.85, 0.55, 0.2, 1.0), inner_shelf=0.1),
    "laundry_basket": FurnitureShape(0.5, 0.4, 0.55, (0.85, 0.85, 0.75, 1.0)),
}
DEFAULT_FURNITURE_SHAPE = FurnitureShape(0.8, 0.6, 0.8, (0.5, 0.5, 0.5, 1.0), inner_shelf=0.4)

# Real sizes: a mug is 8 cm across, as wide as a stock Panda hand opens (executor/ models a wider stroke).
OBJECT_SHAPES: dict[str, ObjectShape] = {
    "mug": ObjectShape("cylinder", (0.04, 0.10), (0.85, 0.15, 0.15, 1.0)),
    "cup": ObjectShape("cylinder", (0.035, 0.09), (0.2, 0.6, 0.85, 1.0)),
    "glass": ObjectShape("cylinder", (0.035, 0.12), (0.75, 0.85, 0.9, 1.0)),
    "bottle": ObjectShape("cylinder", (0.035, 0.25), (0.1, 0.55, 0.25, 1.0)),
    "can": ObjectShape("cylinder", (0.033, 0.12), (0.8, 0.1, 0.1, 1.0)),
    "bowl": ObjectShape("cylinder", (0.08, 0.06), (0.95, 0.9, 0.75, 1.0)),
    "plate": ObjectShape("cylinder", (0.12, 0.02), (0.95, 0.95, 0.95, 1.0)),
    "plant": ObjectShape("cylinder", (0.1, 0.3), (0.2, 0.6, 0.2, 1.0)),
    "vase": ObjectShape("cylinder", (0.06, 0.25), (0.3, 0.3, 0.7, 1.0)),
    "apple": ObjectShape("sphere", (0.04,), (0.8, 0.05, 0.05, 1.0)),
    "orange": ObjectShape("sphere", (0.04,), (1.0, 0.55, 0.0, 1.0)),
    "ball": ObjectShape("sphere", (0.06,), (0.1, 0.4, 0.9, 1.0)),
    "book": ObjectShape("box", (0.15, 0.22, 0.04), (0.15, 0.25, 0.7, 1.0)),
    "keys": ObjectShape("box", (0.08, 0.04, 0.02), (0.85, 0.75, 0.2, 1.0)),
    "phone": ObjectShape("box", (0.07, 0.15, 0.012), (0.05, 0.05, 0.05, 1.0)),
    "remote": ObjectShape("box", (0.05, 0.18, 0.025), (0.2, 0.2, 0.22, 1.0)),
    "laptop": ObjectShape("box", (0.33, 0.23, 0.025), (0.75, 0.75, 0.78, 1.0)),
    "wallet": ObjectShape("box", (0.11, 0.09, 0.02), (0.4, 0.22, 0.1, 1.0)),
    "glasses": ObjectShape("box", (0.14, 0.05, 0.03), (0.1, 0.1, 0.1, 1.0)),
    "banana": ObjectShape("box", (0.18, 0.04, 0.04), (0.95, 0.85, 0.1, 1.0)),
    "milk": ObjectShape("box", (0.07, 0.07, 0.2), (0.97, 0.97, 0.97, 1.0)),
    "box": ObjectShape("box", (0.2, 0.15, 0.12), (0.7, 0.55, 0.35, 1.0)),
    "towel": ObjectShape("box", (0.3, 0.2, 0.05), (0.3, 0.7, 0.75, 1.0)),
    "pillow": ObjectShape("box", (0.45, 0.3, 0.12), (0.9, 0.8, 0.6, 1.0)),
    "shoe": ObjectShape("box", (0.28, 0.1, 0.1), (0.3, 0.2, 0.15, 1.0)),
    "backpack": ObjectShape("box", (0.3, 0.2, 0.4), (0.2, 0.3, 0.2, 1.0)),
    "toy": ObjectShape("box", (0.1, 0.1, 0.1), (0.9, 0.3, 0.7, 1.0)),
    "tool": ObjectShape("box", (0.2, 0.05, 0.03), (0.8, 0.3, 0.0, 1.0)),
    "drill": ObjectShape("box", (0.2, 0.07, 0.2), (0.1, 0.3, 0.6, 1.0)),
    "tablet": ObjectShape("box", (0.24, 0.17, 0.01), (0.15, 0.15, 0.18, 1.0)),
    "notebook": ObjectShape("box", (0.15, 0.21, 0.015), (0.9, 0.85, 0.3, 1.0)),
    "charger": ObjectShape("box", (0.06, 0.06, 0.03), (0.95, 0.95, 0.95, 1.0)),
    "medicine": ObjectShape("cylinder", (0.025, 0.08), (0.95, 0.6, 0.1, 1.0)),
    "jar": ObjectShape("cylinder", (0.045, 0.12), (0.8, 0.6, 0.3, 1.0)),
    "magazine": ObjectShape("box", (0.21, 0.28, 0.008), (0.9, 0.2, 0.45, 1.0)),
    "newspaper": ObjectShape("box", (0.3, 0.2, 0.015), (0.82, 0.82, 0.78, 1.0)),
    "envelope": ObjectShape("box", (0.22, 0.11, 0.005), (0.95, 0.93, 0.85, 1.0)),
    "folder": ObjectShape("box", (0.24, 0.31, 0.02), (0.2, 0.7, 0.4, 1.0)),
    "pen": ObjectShape("box", (0.14, 0.012, 0.012), (0.1, 0.1, 0.6, 1.0)),
    "pencil": ObjectShape("box", (0.17, 0.008, 0.008), (0.95, 0.8, 0.1, 1.0)),
    "marker": ObjectShape("cylinder", (0.01, 0.13), (0.1, 0.7, 0.2, 1.0)),
    "scissors": ObjectShape("box", (0.18, 0.07, 0.015), (0.9, 0.1, 0.2, 1.0)),
    "stapler": ObjectShape("box", (0.15, 0.04, 0.06), (0.15, 0.15, 0.15, 1.0)),
    "tape": ObjectShape("cylinder", (0.04, 0.03), (0.9, 0.9, 0.6, 1.0)),
    "calculator": ObjectShape("box", (0.08, 0.15, 0.015), (0.3, 0.3, 0.35, 1.0)),
    "spoon": ObjectShape("box", (0.16, 0.03, 0.012), (0.8, 0.8, 0.82, 1.0)),
    "fork": ObjectShape("box", (0.18, 0.025, 0.012), (0.7, 0.7, 0.75, 1.0)),
    "knife": ObjectShape("box", (0.22, 0.025, 0.012), (0.55, 0.55, 0.6, 1.0)),
    "spatula": ObjectShape("box", (0.3, 0.06, 0.015), (0.16, 0.12, 0.1, 1.0)),
    "pan": ObjectShape("cylinder", (0.12, 0.05), (0.2, 0.2, 0.22, 1.0)),
    "pot": ObjectShape("cylinder", (0.1, 0.14), (0.65, 0.65, 0.7, 1.0)),
    "kettle": ObjectShape("cylinder", (0.08, 0.2), (0.85, 0.85, 0.88, 1.0)),
    "teapot": ObjectShape("sphere", (0.075,), (0.95, 0.95, 0.9, 1.0)),
    "cutting_board": ObjectShape("box", (0.35, 0.25, 0.02), (0.75, 0.6, 0.4, 1.0)),
    "wine_glass": ObjectShape("cylinder", (0.04, 0.2), (0.85, 0.9, 0.95, 1.0)),
    "salt_shaker": ObjectShape("cylinder", (0.02, 0.08), (0.98, 0.98, 0.98, 1.0)),
    "pepper_shaker": ObjectShape("cylinder", (0.02, 0.08), (0.2, 0.15, 0.1, 1.0)),
    "cereal_box": ObjectShape("box", (0.19, 0.07, 0.28), (0.95, 0.75, 0.1, 1.0)),
    "bread": ObjectShape("box", (0.25, 0.12, 0.1), (0.8, 0.55, 0.25, 1.0)),
    "lemon": ObjectShape("sphere", (0.035,), (0.98, 0.95, 0.2, 1.0)),
    "tomato": ObjectShape("sphere", (0.035,), (0.9, 0.15, 0.05, 1.0)),
    "egg_carton": ObjectShape("box", (0.3, 0.11, 0.07), (0.8, 0.75, 0.65, 1.0)),
    "yogurt": ObjectShape("cylinder", (0.035, 0.07), (0.95, 0.85, 0.9, 1.0)),
    "cheese": ObjectShape("box", (0.12, 0.08, 0.05), (1.0, 0.85, 0.3, 1.0)),
    "sponge": ObjectShape("box", (0.1, 0.07, 0.03), (0.95, 0.9, 0.2, 1.0)),
    "soap": ObjectShape("box", (0.09, 0.06, 0.03), (0.95, 0.75, 0.85, 1.0)),
    "toothbrush": ObjectShape("box", (0.19, 0.015, 0.015), (0.1, 0.8, 0.8, 1.0)),
    "toothpaste": ObjectShape("box", (0.18, 0.045, 0.035), (0.9, 0.95, 1.0, 1.0)),
    "shampoo": ObjectShape("cylinder", (0.035, 0.2), (0.3, 0.2, 0.8, 1.0)),
    "hairbrush": ObjectShape("box", (0.22, 0.06, 0.04), (0.5, 0.1, 0.5, 1.0)),
    "comb": ObjectShape("box", (0.18, 0.035, 0.006), (0.25, 0.25, 0.25, 1.0)),
    "lotion": ObjectShape("cylinder", (0.03, 0.16), (0.98, 0.86, 0.68, 1.0)),
    "tissue_box": ObjectShape("box", (0.23, 0.12, 0.09), (0.6, 0.8, 0.95, 1.0)),
    "candle": ObjectShape("cylinder", (0.035, 0.1), (0.98, 0.97, 0.9, 1.0)),
    "clock": ObjectShape("cylinder", (0.08, 0.05), (0.1, 0.1, 0.3, 1.0)),
    "photo_frame": ObjectShape("box", (0.15, 0.03, 0.2), (0.6, 0.45, 0.2, 1.0)),
    "headphones": ObjectShape("box", (0.17, 0.16, 0.07), (0.05, 0.05, 0.08, 1.0)),
    "speaker": ObjectShape("cylinder", (0.05, 0.17), (0.3, 0.3, 0.3, 1.0)),
    "camera": ObjectShape("box", (0.13, 0.08, 0.09), (0.12, 0.12, 0.12, 1.0)),
    "game_controller": ObjectShape("box", (0.15, 0.1, 0.05), (0.15, 0.2, 0.5, 1.0)),
    "watch": ObjectShape("box", (0.05, 0.05, 0.015), (0.75, 0.65, 0.3, 1.0)),
    "computer_mouse": ObjectShape("box", (0.06, 0.11, 0.035), (0.4, 0.4, 0.42, 1.0)),
    "keyboard": ObjectShape("box", (0.44, 0.13, 0.03), (0.85, 0.85, 0.85, 1.0)),
    "usb_stick": ObjectShape("box", (0.05, 0.018, 0.008), (0.9, 0.1, 0.1, 1.0)),
    "hat": ObjectShape("cylinder", (0.12, 0.1), (0.25, 0.2, 0.15, 1.0)),
    "scarf": ObjectShape("box", (0.3, 0.15, 0.04), (0.7, 0.1, 0.15, 1.0)),
    "gloves": ObjectShape("box", (0.2, 0.1, 0.03), (0.35, 0.25, 0.5, 1.0)),
    "sock": ObjectShape("box", (0.2, 0.08, 0.02), (0.88, 0.9, 0.98, 1.0)),
    "umbrella": ObjectShape("box", (0.5, 0.06, 0.06), (0.1, 0.1, 0.4, 1.0)),
    "sunglasses": ObjectShape("box", (0.14, 0.05, 0.03), (0.4, 0.2, 0.05, 1.0)),
    "flashlight": ObjectShape("cylinder", (0.02, 0.18), (0.95, 0.5, 0.05, 1.0)),
    "battery": ObjectShape("cylinder", (0.007, 0.05), (0.2, 0.2, 0.2, 1.0)),
    "screwdriver": ObjectShape("box", (0.2, 0.03, 0.03), (0.95, 0.3, 0.1, 1.0)),
    "hammer": ObjectShape("box", (0.3, 0.1, 0.03), (0.5, 0.3, 0.15, 1.0)),
    "wrench": ObjectShape("box", (0.2, 0.04, 0.01), (0.6, 0.62, 0.65, 1.0)),
    "tape_measure": ObjectShape("box", (0.07, 0.07, 0.04), (1.0, 0.85, 0.0, 1.0)),
    "teddy_bear": ObjectShape("box", (0.2, 0.15, 0.25), (0.6, 0.4, 0.2, 1.0)),
    "doll": ObjectShape("box", (0.08, 0.05, 0.28), (0.95, 0.65, 0.7, 1.0)),
    "toy_car": ObjectShape("box", (0.12, 0.06, 0.05), (0.1, 0.6, 0.95, 1.0)),
    "puzzle": ObjectShape("box", (0.3, 0.2, 0.05), (0.55, 0.3, 0.75, 1.0)),
    "lunchbox": ObjectShape("box", (0.2, 0.14, 0.08), (0.2, 0.75, 0.6, 1.0)),
    "thermos": ObjectShape("cylinder", (0.04, 0.25), (0.55, 0.1, 0.1, 1.0)),
    "dog_leash": ObjectShape("box", (0.15, 0.1, 0.03), (0.8, 0.2, 0.05, 1.0)),
}
DEFAULT_OBJECT_SHAPE = ObjectShape("box", (0.12, 0.12, 0.12), (0.6, 0.6, 0.6, 1.0))


def furniture_shape(category: str) -> FurnitureShape:
    return FURNITURE_SHAPES.get(category, DEFAULT_FURNITURE_SHAPE)


def object_shape(category: str) -> ObjectShape:
    return OBJECT_SHAPES.get(category, DEFAULT_OBJECT_SHAPE)
