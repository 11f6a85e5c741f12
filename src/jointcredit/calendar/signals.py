from django.dispatch import Signal

# Sent after commit when the office configures a year or changes an override, with ``years``
# (a set of ints). Owners of pending or affected deadlines recompute them in a receiver.
calendar_changed = Signal()
