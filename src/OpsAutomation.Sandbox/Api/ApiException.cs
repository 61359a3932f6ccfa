using k8s.Models;

namespace OpsAutomation.Sandbox.Api;

/// <summary>A request the server refuses: carries the Status body the real API server writes for it.</summary>
public sealed class ApiException : Exception
{
    public ApiException(V1Status status)
        : base(status?.Message)
    {
        Status = status ?? throw new ArgumentNullException(nameof(status));
    }

    public ApiException()
        : this(ApiStatus.InternalError("unknown error"))
    {
    }

    public ApiException(string message)
        : this(ApiStatus.InternalError(message))
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = ApiStatus.InternalError(message);
    }

    public V1Status Status { get; }

    public int Code => Status.Code ?? 500;
}
