"""The membership graph and propagation from removed groups and banned accounts.

`MembershipGraph` holds accounts, groups, roles and invite links in numpy arrays that
update in place; `propagation` turns it into graph.* signals with reasons in words;
`GraphExtractor` ("graph") keeps it current from events inside the runner.
"""

from groupguard.graph.model import MembershipGraph
from groupguard.graph.propagation import GraphParams

__all__ = ["GraphParams", "MembershipGraph"]
