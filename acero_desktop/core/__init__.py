"""Domain rules in pure Python: no Qt, no network. Both the client and the server run them."""
