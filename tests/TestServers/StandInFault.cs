namespace OpsAutomation.TestServers;

/// <summary>How a stand-in misbehaves on purpose; switchable while it serves.</summary>
public enum StandInFault
{
    /// <summary>Answers as the healthy service would.</summary>
    None,

    /// <summary>Answers with the service's own 5xx.</summary>
    ServerError,

    /// <summary>Waits <see cref="StandIn.SlowDelay"/>, then answers as it would without the fault.</summary>
    Slow,

    /// <summary>Sends the healthy status and headers, but only the first half of the body (Content-Length matches the cut).</summary>
    TruncatedJson,

    /// <summary>Answers 200 with a well-formed body of another shape, as a proxy in front of the service might.</summary>
    UnexpectedShape,

    /// <summary>Answers with the service's own 401, whatever the credentials.</summary>
    Unauthorized,

    /// <summary>Answers with the service's own 403, whatever the credentials.</summary>
    Forbidden,
}
