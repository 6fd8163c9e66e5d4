"""Identity and access: users in roles with a region scope, passwords, sessions, denials."""
