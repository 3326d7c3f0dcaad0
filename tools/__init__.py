"""Tools for the developers that production does not install: the national benchmark."""
