"""Events: talks, registration, payment, seats, waiting list, invoices."""
