"""A stand-in for an app added later (test_discovery): it only has plug-in modules."""
