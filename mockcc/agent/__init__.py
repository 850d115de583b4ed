"""The agent side: what an agent, a bot or the system does to a conversation, and scripted agents."""
