using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Health;
using k8s;
using k8s.Autorest;

namespace OpsAutomation.Core.Health.Kubernetes;

/// <summary>How Kubernetes failures become outcomes: unusable configuration, refused credentials, API errors.</summary>
internal static class KubernetesOutcomes
{
    /// <summary>Null with a client, or the outcome that explains why there is none.</summary>
    public static ProbeOutcome? TryGetClient(KubernetesClients clients, HealthCheckDefinition definition, out IKubernetes? client)
    {
        try
        {
            client = clients.Get(new KubernetesTarget(definition.Kubeconfig, definition.Context, definition.Target.Length > 0 ? definition.Target : null,
                definition.SkipCertificateCheck, definition.Timeout, "the check's Kubeconfig"));
            return null;
        }
        catch (KubernetesConfigurationException ex)
        {
            client = null;
            return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.Configuration, ex.Message);
        }
    }

    /// <summary>An API answer other than success: 401/403 are credentials, the rest the server's status and message.</summary>
    public static ProbeOutcome FromApiError(HttpOperationException error, string what)
    {
        var code = (int)error.Response.StatusCode;
        var message = StatusMessage(code, error.Response.Content) ?? error.Response.ReasonPhrase;
        return new ProbeOutcome(HealthStatus.Unhealthy, code is 401 or 403 ? HealthErrorKind.Authentication : HealthErrorKind.HttpStatus,
            $"{what}: HTTP {code}{(message is null ? "" : ": " + message)}")
        {
            StatusCode = code,
        };
    }

    // The API server explains failures in a Status object's message; anything else is shown as it came.
    private static string? StatusMessage(int code, string? content) =>
        string.IsNullOrWhiteSpace(content) ? null
        : KubernetesStatus.Parse(code, content) is { } status ? status.Message
        : HttpVerdicts.Preview(content);
}
