"""Site machinery that knows nothing of Livskraft's domain: it imports only Django and third-party packages."""
