"""The review console (HTML pages) and the review HTTP API, served by `groupguard serve`."""
