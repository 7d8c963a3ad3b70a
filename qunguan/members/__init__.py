"""Group membership (群成员): member-list snapshots, real-name matching (实名, 1(3)) and the checks on them."""
