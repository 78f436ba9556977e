"""Route modules: each validates, calls one service, shapes the response."""
