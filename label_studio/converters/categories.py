"""Categories (classes) of the image formats: from the label config, in config order.

Ids are 0-based and stable, so two exports of a project agree even when some labels are
unused. A label found in a completion but not in the config (the config changed since) gets
the next id, with a warning.
"""


class Categories:
    def __init__(self, names, ctx):
        self.ctx = ctx
        self.entries = []
        self._ids = {}
        for name in names:
            self._add(name)

    def _add(self, name, **extra):
        category_id = len(self.entries)
        self.entries.append({"id": category_id, "name": name, **extra})
        if not extra:
            self._ids.setdefault(name, category_id)
        return category_id

    def id_of(self, label) -> int:
        if label not in self._ids:
            category_id = self._add(label)
            self.ctx.warn(f'label "{label}" is not in the label config; it got category '
                          f"id {category_id}")
        return self._ids[label]

    def add_keypoint_category(self, name, keypoints) -> int:
        """A COCO keypoints category: one per KeyPointLabels control, its labels the points."""
        return self._add(name, keypoints=list(keypoints), skeleton=[])

    @property
    def names(self):
        return [entry["name"] for entry in self.entries]
