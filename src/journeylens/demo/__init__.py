"""A synthetic omnichannel retailer ("Brightlane") with planted truths, for ``journeylens demo``.

``generate(seed, customers)`` returns a :class:`DemoBusiness`: Segment messages (a fresh
stream on each ``messages()`` call), CRM contacts, in-store order lines, feedback texts
and the machine-readable truths that later analyses must recover. docs/demo.md
documents every planted number.
"""

from journeylens.demo.generate import DEFAULT_CUSTOMERS, DemoBusiness, generate

__all__ = ["DEFAULT_CUSTOMERS", "DemoBusiness", "generate"]
