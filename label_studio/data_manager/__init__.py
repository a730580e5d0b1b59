"""The 0.9 Data Manager: tabs (tabs.json), filters and ordering, columns, the aggregate task
view, actions on selected tasks, and import states. Plain Python over Project; no HTTP here
(the blueprint is api/data_manager.py)."""
