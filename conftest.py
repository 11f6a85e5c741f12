pytest_plugins = ["jointcredit.common.testing"]
