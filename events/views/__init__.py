"""Events views: one blueprint per module (public pages, payments, admin screens)."""
