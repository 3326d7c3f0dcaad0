"""Demo data: `python manage.py load_demo` fills an empty database with the network, sample figures and accounts."""
