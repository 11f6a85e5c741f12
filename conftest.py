pytest_plugins = ["jointcredit.testing"]
