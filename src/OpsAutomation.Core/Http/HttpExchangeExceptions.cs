using System.Globalization;

namespace OpsAutomation.Core.Http;

/// <summary>An HTTP exchange passed its deadline: names the target (redacted) and the limit.</summary>
public sealed class HttpTimeoutException : HttpRequestException
{
    public HttpTimeoutException(string target, TimeSpan limit, Exception? inner)
        : base(string.Create(CultureInfo.InvariantCulture, $"{target} did not answer within the {limit.TotalSeconds:0.###} s timeout"), inner)
    {
        Target = target;
        Limit = limit;
    }

    /// <summary>The target as it may be shown: no user info, no secret query values.</summary>
    public string Target { get; }

    public TimeSpan Limit { get; }
}

/// <summary>A response body was larger than the limit: names the target (redacted) and the limit; reading stopped there.</summary>
public sealed class HttpResponseTooLargeException : HttpRequestException
{
    public HttpResponseTooLargeException(string target, long limit)
        : base(HttpRequestError.ConfigurationLimitExceeded, string.Create(CultureInfo.InvariantCulture,
            $"{target} answered with a body larger than the {Describe(limit)} limit; reading stopped there"))
    {
        Target = target;
        Limit = limit;
    }

    public string Target { get; }

    /// <summary>The limit in bytes.</summary>
    public long Limit { get; }

    internal static string Describe(long bytes) =>
        bytes % HttpLimits.MiB == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / HttpLimits.MiB} MiB")
        : bytes % 1024 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}
