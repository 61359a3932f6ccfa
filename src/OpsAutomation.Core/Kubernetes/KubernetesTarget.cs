namespace OpsAutomation.Core.Kubernetes;

/// <summary>Which cluster to talk to and how: what a health check, a deployment or a diagnostics source names.</summary>
/// <param name="Kubeconfig">A kubeconfig file; null looks at KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</param>
/// <param name="Context">The kubeconfig context; null for its current-context.</param>
/// <param name="Server">The API server URL, overriding the kubeconfig's (or the only configuration when there is none).</param>
/// <param name="Timeout">The limit per request; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for watches, which the caller bounds.</param>
/// <param name="KubeconfigOrigin">Where <paramref name="Kubeconfig"/> came from, for messages: "the check's Kubeconfig", "-Kubeconfig".</param>
public sealed record KubernetesTarget(string? Kubeconfig, string? Context, string? Server, bool SkipCertificateCheck, TimeSpan Timeout,
    string KubeconfigOrigin);
