"""What a generated household is made of: room kinds, their furniture, object categories and their habits.

Every furniture and object category here has its own shape and colour in robot_model.category_shapes
(tests check it). Object categories come in groups; a group says which furniture its members live on
(or in) and how often, per day, a member is moved by the people in the house. Look-alikes sit in the
same group on purpose (cup / mug / glass / wine_glass, book / notebook / magazine, the tables).
"""

from __future__ import annotations

from dataclasses import dataclass

from robot_model.category_shapes import object_shape


@dataclass(frozen=True)
class RoomKind:
    name: str
    min_side_m: float
    max_side_m: float
    furniture: tuple[str, ...]  # the first ones are always placed, the rest as space allows
    required: int


ROOM_KINDS: dict[str, RoomKind] = {k.name: k for k in (
    RoomKind("kitchen", 3.0, 5.0, ("counter", "fridge", "kitchen_table", "cabinet", "sink", "microwave", "dishwasher",
                                   "oven"), 3),
    RoomKind("living_room", 3.6, 6.0, ("sofa", "coffee_table", "tv_stand", "bookshelf", "armchair", "side_table",
                                       "sideboard", "ottoman"), 3),
    RoomKind("bedroom", 3.4, 4.8, ("bed", "nightstand", "wardrobe", "dresser", "desk", "chair", "laundry_basket"), 3),
    RoomKind("bathroom", 2.6, 3.4, ("washbasin", "cabinet", "shelf"), 2),
    RoomKind("office", 3.0, 4.4, ("desk", "bookshelf", "filing_cabinet", "chair", "side_table", "shelf"), 2),
    RoomKind("dining_room", 3.4, 5.0, ("dining_table", "sideboard", "cupboard", "chair", "console_table"), 2),
    RoomKind("kids_room", 3.0, 4.4, ("bed", "toy_chest", "desk", "shelf", "nightstand"), 2),
    RoomKind("laundry_room", 2.6, 3.4, ("washing_machine", "shelf", "laundry_basket", "cabinet"), 2),
    RoomKind("workshop", 3.0, 4.4, ("workbench", "shelf", "chest", "cabinet"), 2),
    RoomKind("entrance", 2.6, 3.4, ("shoe_rack", "console_table", "bench", "closet"), 2),
)}

# the order rooms are added in as a household grows from 2 to 10 rooms (after the first two)
ROOM_ORDER = ("kitchen", "living_room", "bedroom", "bathroom", "office", "dining_room", "kids_room", "entrance",
              "laundry_room", "workshop")

OPENABLE = frozenset({"fridge", "cabinet", "microwave", "dishwasher", "oven", "wardrobe", "closet", "filing_cabinet",
                      "sideboard", "cupboard", "dresser", "chest", "toy_chest", "washing_machine"})
# furniture nothing is put on or in by the generator (a sink's basin, a washbasin, a bed's slope, a chair seat)
NOT_A_SURFACE = frozenset({"sink", "washbasin", "oven", "dishwasher", "washing_machine", "chair", "microwave"})


@dataclass(frozen=True)
class ObjectGroup:
    name: str
    categories: tuple[str, ...]
    homes: tuple[str, ...]  # furniture categories the members rest on (or inside, when openable)
    moves_per_day: float


OBJECT_GROUPS: tuple[ObjectGroup, ...] = (
    ObjectGroup("drinkware", ("mug", "cup", "glass", "wine_glass", "bottle", "thermos"),
                ("counter", "kitchen_table", "dining_table", "coffee_table", "desk", "cabinet", "sideboard",
                 "nightstand", "cupboard"), 1.2),
    ObjectGroup("tableware", ("bowl", "plate", "spoon", "fork", "knife", "salt_shaker", "pepper_shaker"),
                ("counter", "kitchen_table", "dining_table", "cabinet", "cupboard", "sideboard"), 0.6),
    ObjectGroup("cookware", ("pan", "pot", "kettle", "teapot", "cutting_board", "spatula", "sponge"),
                ("counter", "cabinet", "cupboard"), 0.3),
    ObjectGroup("food", ("apple", "orange", "banana", "lemon", "tomato", "bread", "cheese", "yogurt", "milk",
                         "egg_carton", "cereal_box", "can", "jar"),
                ("counter", "kitchen_table", "fridge", "cabinet", "dining_table"), 0.5),
    ObjectGroup("reading", ("book", "notebook", "magazine", "newspaper", "folder", "envelope"),
                ("bookshelf", "coffee_table", "desk", "nightstand", "side_table", "shelf", "sofa", "console_table",
                 "dining_table"), 0.7),
    ObjectGroup("office", ("pen", "pencil", "marker", "scissors", "stapler", "tape", "calculator", "usb_stick"),
                ("desk", "filing_cabinet", "shelf", "kitchen_table", "console_table", "workbench"), 0.5),
    ObjectGroup("electronics", ("phone", "laptop", "tablet", "remote", "charger", "headphones", "camera",
                                "game_controller", "speaker", "computer_mouse", "keyboard"),
                ("desk", "coffee_table", "nightstand", "sofa", "tv_stand", "side_table", "kitchen_table", "bed",
                 "console_table"), 1.5),
    ObjectGroup("personal", ("keys", "wallet", "glasses", "sunglasses", "watch", "medicine", "dog_leash"),
                ("console_table", "shoe_rack", "coffee_table", "nightstand", "kitchen_table", "desk", "counter",
                 "side_table", "dresser"), 1.5),
    ObjectGroup("bathroom", ("toothbrush", "toothpaste", "soap", "shampoo", "hairbrush", "comb", "lotion", "towel",
                             "tissue_box"),
                ("shelf", "cabinet", "nightstand", "dresser", "laundry_basket"), 0.3),
    ObjectGroup("decor", ("plant", "vase", "candle", "clock", "photo_frame"),
                ("sideboard", "tv_stand", "side_table", "bookshelf", "console_table", "shelf", "dining_table",
                 "nightstand"), 0.05),
    ObjectGroup("clothing", ("hat", "scarf", "gloves", "sock", "shoe", "umbrella", "backpack", "pillow"),
                ("shoe_rack", "bench", "bed", "wardrobe", "closet", "laundry_basket", "sofa", "armchair", "ottoman",
                 "chest"), 0.6),
    ObjectGroup("tools", ("screwdriver", "hammer", "wrench", "tape_measure", "flashlight", "battery", "drill", "tool",
                          "box"),
                ("workbench", "shelf", "chest", "cabinet", "console_table"), 0.2),
    ObjectGroup("toys", ("toy", "ball", "teddy_bear", "doll", "toy_car", "puzzle", "lunchbox"),
                ("toy_chest", "bed", "shelf", "sofa", "coffee_table", "desk", "ottoman"), 1.0),
)

GROUP_OF: dict[str, ObjectGroup] = {c: g for g in OBJECT_GROUPS for c in g.categories}

# What people do with furniture, in the words of a question ("Where can I <activity>?"), and every furniture
# category that serves it. The generator's own world knowledge, written apart from the robot's affordance table
# (scene_graph/data/affordances.yaml), so a generated answer does not come from the answerer's own data.
ACTIVITIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("keep the milk cold", frozenset({"fridge"})),
    ("warm up my leftovers", frozenset({"microwave", "oven"})),
    ("do the laundry", frozenset({"washing_machine"})),
    ("wash the dishes", frozenset({"sink", "dishwasher"})),
    ("hang up my coat", frozenset({"wardrobe", "closet"})),
    ("wash my hands", frozenset({"sink", "washbasin"})),
    ("have dinner", frozenset({"dining_table", "kitchen_table"})),
    ("sleep", frozenset({"bed"})),
    ("put my shoes away", frozenset({"shoe_rack"})),
    ("repair something with tools", frozenset({"workbench"})),
)

# graspable by the simulated long-stroke gripper (two 8.5 cm finger strokes, a top-down pinch): at most this wide
GRASP_WIDTH_M = 0.15
GRASP_MIN_HEIGHT_M = 0.01


def graspable(category: str) -> bool:
    """Whether the simulated gripper can pinch an object of this category across its narrower side."""
    shape = object_shape(category)
    narrow = min(shape.size[0], shape.size[1]) if shape.kind == "box" else 2 * shape.size[0]
    return narrow <= GRASP_WIDTH_M and shape.height >= GRASP_MIN_HEIGHT_M


# the simulated gripper's widest grip (two 8.5 cm finger strokes less 6 mm: executor's `max_grip_width`)
GRIPPER_OPENING_M = 0.164


def too_wide_to_grasp(category: str) -> bool:
    """Whether no grasp of the simulated gripper fits round an object of this category, from any side.

    Between `graspable` and this (a 16 cm bowl, a 5 mm envelope) the simulator may or may not hold it.
    """
    shape = object_shape(category)
    narrow = min(shape.size[0], shape.size[1]) if shape.kind == "box" else 2 * shape.size[0]
    return narrow > GRIPPER_OPENING_M


# the highest furniture top the arm takes things from and sets them on: a top-down grasp's hand reaches 1.12 m
# at 0.35 m from the arm's base (robot_model.panda_kinematics on the 0.35 m base), less an object and its approach
REACHABLE_TOP_M = 1.0


def top_within_reach(top_height_m: float) -> bool:
    """Whether things on a top this high are within the arm's reach (a 1.4 m bookshelf's are not)."""
    return top_height_m <= REACHABLE_TOP_M


def object_categories() -> list[str]:
    return [c for g in OBJECT_GROUPS for c in g.categories]


def furniture_categories() -> list[str]:
    return sorted({c for k in ROOM_KINDS.values() for c in k.furniture})
