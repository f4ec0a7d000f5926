"""Stand-in for bb.event: fire() records events instead of dispatching them."""

fired = []


def fire(event, d):
    fired.append(event)
