"""Awards forms (Flask-WTF). Forms check the shape of input (required, length, number); the
rules live in the services, whose `InvalidInput` errors `core.unit_of_work.refusal` binds to
the matching fields. Shared field helpers are in `core.forms`."""
