"""The Send API (asyncMessagingEnt): CONVERSATION and SEND, and the token checks before them."""
