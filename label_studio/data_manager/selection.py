"""selectedItems: {"all": false, "included": [ids]} or {"all": true, "excluded": [ids]}."""
from ..errors import ValidationError

EMPTY_SELECTION = {"all": False, "included": []}
MAX_IDS = 10_000_000


def parse_selection(value, what="selectedItems"):
    """A checked copy of a selection; ValidationError with what is wrong otherwise."""
    if not isinstance(value, dict):
        raise ValidationError(f'{what} must be an object like {{"all": false, "included": [1, 2]}}'
                              ' or {"all": true, "excluded": [3]}')
    everything = value.get("all")
    if not isinstance(everything, bool):
        raise ValidationError(f'{what}: "all" must be true or false')
    key = "excluded" if everything else "included"
    other = "included" if everything else "excluded"
    if other in value:
        raise ValidationError(f'{what}: "{other}" is not allowed with "all": '
                              f'{str(everything).lower()}; use "{key}"')
    ids = value.get(key, [])
    if not isinstance(ids, list) or not all(_is_id(i) for i in ids):
        raise ValidationError(f'{what}: "{key}" must be a list of task ids (integers)')
    if len(ids) > MAX_IDS:
        raise ValidationError(f'{what}: "{key}" has more than {MAX_IDS} ids')
    return {"all": everything, key: list(dict.fromkeys(ids))}


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def ids_key(selection):
    return "excluded" if selection["all"] else "included"


def union(current, change):
    """PATCH: the given ids added; `all` must be the stored one."""
    current = current or dict(EMPTY_SELECTION, included=[])
    _same_mode(current, change)
    key = ids_key(change)
    merged = list(dict.fromkeys(list(current.get(key) or []) + change[key]))
    return {"all": change["all"], key: merged}


def difference(current, change):
    """DELETE: the given ids removed."""
    current = current or dict(EMPTY_SELECTION, included=[])
    _same_mode(current, change)
    key = ids_key(change)
    gone = set(change[key])
    return {"all": change["all"], key: [i for i in current.get(key) or [] if i not in gone]}


def _same_mode(current, change):
    if bool(current.get("all")) != change["all"]:
        raise ValidationError(f'selectedItems: "all" is {str(bool(current.get("all"))).lower()} '
                              'on this tab; POST a new selection to change it')


def pick(ordered_ids, selection):
    """The selected ids among `ordered_ids` (the tab's filtered ids), in that order."""
    if selection["all"]:
        excluded = set(selection.get("excluded") or ())
        return [i for i in ordered_ids if i not in excluded]
    included = set(selection.get("included") or ())
    return [i for i in ordered_ids if i in included]
