"""Views for the plan chain."""
