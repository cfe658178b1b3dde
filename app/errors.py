"""What the services raise when a request cannot be done; the routes turn each into its HTTP status."""


class ServiceError(Exception):
    """A request that changed nothing."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """A field's value is not acceptable (422): names the field and why."""

    status_code = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Unauthorized(ServiceError):
    status_code = 401


class Unavailable(ServiceError):
    """The database could not take the change; nothing was acknowledged."""

    status_code = 503
