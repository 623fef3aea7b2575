module attributes {moe.check_messages = ["fine", 3]} {}
