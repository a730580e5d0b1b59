"""A Redis database as a source (`redis`) and a target (`redis-completions`), with redis-py
(the `[redis]` extra). Values are JSON at keys `<path>/<id>`."""
from .forms import INTEGER, STRING, Field, StorageType

RedisClient = None

FIELDS = (
    Field("path", STRING, "Storage prefix (optional)"),
    Field("host", STRING, "Server Host IP (optional)"),
    Field("port", STRING, "Server Port (optional)"),
    Field("password", STRING, "Server Password (optional)"),
)
SOURCE = StorageType("redis", "source", "Redis database connection", FIELDS + (Field(
    "db", INTEGER, "Server Database (Must be different from Completions storage!)", 1),),
    client=RedisClient)
TARGET = StorageType("redis-completions", "target", "Redis Completions Storage", FIELDS + (Field(
    "db", INTEGER, "Server Database (Must be different from Task storage!)", 2),),
    client=RedisClient)
