"""The one place that builds line-bot-sdk v3 clients.

The SDK hard-codes api.line.me / api-data.line.me per method but uses Configuration.host when it
is set, so the data API gets its own Configuration and ApiClient (LINE_PLATFORM.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.spine.line_sdk import messaging

if TYPE_CHECKING:
    from linebot.v3.messaging import ApiClient, MessagingApi, MessagingApiBlob


@dataclass
class LineClients:
    api: MessagingApi
    blob: MessagingApiBlob
    timeout: tuple[float, float]
    _clients: tuple[ApiClient, ApiClient]

    def close(self) -> None:
        for client in self._clients:
            client.close()


def _client(host: str, token: str, pool_size: int):
    sdk = messaging()
    configuration = sdk.Configuration(host=host, access_token=token)
    # Retries are the outbox's job (with the same X-Line-Retry-Key); urllib3 must not add its own.
    configuration.retries = 0
    # One kept-alive connection per sender thread, or urllib3 drops and reopens them under load.
    configuration.connection_pool_maxsize = max(configuration.connection_pool_maxsize, pool_size)
    return sdk.ApiClient(configuration)


def line_clients(api_base: str, data_api_base: str, token: str, timeout: float,
                 pool_size: int = 1) -> LineClients:
    """`pool_size`: how many threads call LINE at once through these clients."""
    api_client = _client(api_base, token, pool_size)
    data_client = _client(data_api_base, token, pool_size)
    return LineClients(
        api=messaging().MessagingApi(api_client),
        blob=messaging().MessagingApiBlob(data_client),
        timeout=(min(3.05, timeout), timeout),
        _clients=(api_client, data_client),
    )
