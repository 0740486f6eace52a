"""Media types of GraphQL over HTTP: what the client accepts decides the response's type and status rules."""

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"


def _accepted(accept: str) -> dict[str, float]:
    """Media type -> quality from an Accept header."""
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            qualities[media_type.lower()] = quality
    return qualities


def negotiate_media_type(accept: str | None) -> str | None:
    """The response media type for an Accept header, None when we can produce nothing it accepts.

    Without an Accept header, legacy clients get application/json (GraphQL-over-HTTP).
    """
    if not accept:
        return APPLICATION_JSON
    qualities = _accepted(accept)
    wildcard = max(qualities.get("*/*", 0.0), qualities.get("application/*", 0.0))
    graphql_response = qualities.get(GRAPHQL_RESPONSE_JSON, wildcard)
    plain_json = qualities.get(APPLICATION_JSON, wildcard)
    if graphql_response <= 0 and plain_json <= 0:
        return None
    # Prefer the GraphQL media type when the client names it at least as highly as plain JSON.
    if GRAPHQL_RESPONSE_JSON in qualities and graphql_response >= plain_json:
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON if plain_json > 0 else GRAPHQL_RESPONSE_JSON
