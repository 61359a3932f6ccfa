using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>A rollout that did not complete: the result says how it ended and in which state it left the Deployment.</summary>
public sealed class RolloutFailedException(RolloutResult result) : Exception(result?.Message)
{
    public RolloutResult Result { get; } = result ?? throw new ArgumentNullException(nameof(result));
}

/// <summary>The wait was cancelled (Ctrl+C); <see cref="Result"/> holds the state the Deployment was left in.</summary>
public sealed class RolloutCancelledException(RolloutResult result, CancellationToken token) : OperationCanceledException(result?.Message, token)
{
    public RolloutResult Result { get; } = result ?? throw new ArgumentNullException(nameof(result));
}

/// <summary>
/// The Kubernetes API refused or could not be reached while working on a Deployment; the message
/// names what was being done, the Deployment and the server's answer, and <see cref="StatusCode"/>
/// tells 401/403 from 404 from an unreachable server (null).
/// </summary>
public sealed class DeploymentApiException(string message, int? statusCode, Exception inner) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}
