namespace OpsAutomation.TestServers;

/// <summary>One answer of a stand-in, before it is written.</summary>
public sealed record StandInResponse(int StatusCode, string ContentType, string Body)
{
    public const string Json = "application/json";

    /// <summary>Headers besides Content-Type and Content-Length; a name may repeat (WWW-Authenticate).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public StandInResponse WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };

    /// <summary>The same answer with the body cut in the middle, as when a connection drops mid-body behind a buffering proxy.</summary>
    public StandInResponse Truncated()
    {
        return this with { Body = Body[..(Body.Length / 2)] };
    }
}
