using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>Turns what a failed attempt threw into a status, an error kind and a one-line reason.</summary>
internal static class ProbeFailure
{
    public static ProbeOutcome Timeout(TimeSpan limit) =>
        new(HealthStatus.Unreachable, HealthErrorKind.Timeout, $"no answer within {limit.TotalSeconds:0.###} s");

    public static ProbeOutcome FromException(Exception exception)
    {
        var (status, kind) = Classify(exception);
        return new ProbeOutcome(status, kind, Describe(exception));
    }

    internal static (HealthStatus Status, HealthErrorKind Kind) Classify(Exception exception)
    {
        switch (exception)
        {
            case HttpTimeoutException:
                return (HealthStatus.Unreachable, HealthErrorKind.Timeout);
            case HttpResponseTooLargeException:
                return (HealthStatus.Unhealthy, HealthErrorKind.InvalidResponse);
            case HttpRedirectException:
                return (HealthStatus.Unhealthy, HealthErrorKind.Redirect);
            case HttpTlsConfigurationException:
                return (HealthStatus.Unhealthy, HealthErrorKind.Tls);
        }
        // A client's own deadline (HttpClient.Timeout, a linked token) can fire a moment before the
        // attempt's; whatever wraps the cancellation on the way out, the cause is time.
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is TimeoutException or OperationCanceledException) return (HealthStatus.Unreachable, HealthErrorKind.Timeout);
        }
        if (exception is HttpRequestException http)
        {
            switch (http.HttpRequestError)
            {
                case HttpRequestError.NameResolutionError:
                    return (HealthStatus.Unreachable, HealthErrorKind.Dns);
                case HttpRequestError.SecureConnectionError:
                    return (HealthStatus.Unhealthy, HealthErrorKind.Tls);
                case HttpRequestError.ResponseEnded:
                    return (HealthStatus.Unhealthy, HealthErrorKind.ConnectionReset);
                case HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError or HttpRequestError.ConfigurationLimitExceeded:
                    return (HealthStatus.Unhealthy, HealthErrorKind.Protocol);
            }
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException:
                    return (HealthStatus.Unhealthy, HealthErrorKind.Tls);
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => (HealthStatus.Unreachable, HealthErrorKind.Dns),
                        SocketError.ConnectionRefused => (HealthStatus.Unreachable, HealthErrorKind.ConnectionRefused),
                        SocketError.TimedOut => (HealthStatus.Unreachable, HealthErrorKind.Timeout),
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                            => (HealthStatus.Unhealthy, HealthErrorKind.ConnectionReset),
                        _ => (HealthStatus.Unreachable, HealthErrorKind.Network),
                    };
                case HttpIOException io when io.HttpRequestError == HttpRequestError.ResponseEnded:
                    return (HealthStatus.Unhealthy, HealthErrorKind.ConnectionReset);
                case HttpIOException:
                    return (HealthStatus.Unhealthy, HealthErrorKind.Protocol);
                case IOException:
                    return (HealthStatus.Unhealthy, HealthErrorKind.ConnectionReset);
            }
        }

        return exception is HttpRequestException
            ? (HealthStatus.Unreachable, HealthErrorKind.Network)
            : (HealthStatus.Unhealthy, HealthErrorKind.Protocol);
    }

    /// <summary>
    /// The outermost specific message: "Connection refused (127.0.0.1:1)" beats both the generic
    /// "An error occurred while sending the request." above it and the bare socket error below.
    /// </summary>
    private static string Describe(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = current.Message;
            var generic = string.IsNullOrWhiteSpace(message)
                || message.Contains("see inner exception", StringComparison.OrdinalIgnoreCase)
                || message.StartsWith("An error occurred while sending the request", StringComparison.Ordinal);
            if (!generic) return message.ReplaceLineEndings(" ").Trim();
        }
        return exception.GetType().Name;
    }
}
