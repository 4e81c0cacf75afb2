"""Events forms (Flask-WTF): registration and billing, and the admin screens."""
