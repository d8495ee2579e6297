"""The sandbox chat page: talk to the bot in a browser as any person or group of the office.

It speaks to the bot exactly as LINE does (content registered with the in-process fake LINE, a
webhook body signed with the sandbox secret, POSTed to /callback) and shows what the fake LINE
received for each chat. Served only in sandbox mode; `blueprint.chat_blueprint` is the entry.
"""
