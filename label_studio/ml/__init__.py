"""ML backends: `client` speaks the legacy HTTP protocol to one backend; `project` is what a
project does with its backends (connect, train, predict, live predictions)."""
