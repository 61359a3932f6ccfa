using k8s;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>What actions run with: the cluster, HTTP, secrets, the clock, the incident and the run.</summary>
public sealed class RunbookActionContext
{
    /// <summary>The Kubernetes client, built on first use (a kubeconfig that cannot be used throws then, failing only the step that needs it).</summary>
    public required Func<IKubernetes> Kubernetes { get; init; }

    /// <summary>The kubeconfig context, for deployment records; null for the current one.</summary>
    public string? KubernetesContext { get; init; }

    /// <summary>The shared HTTP client for webhooks.</summary>
    public required HttpClient Http { get; init; }

    /// <summary>Resolves secret references (webhook headers).</summary>
    public required SecretResolver Secrets { get; init; }

    /// <summary>Redacts secrets from messages, output and errors.</summary>
    public required SecretRedactor Redactor { get; init; }

    /// <summary>The clock.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The incident the runbook runs for.</summary>
    public required Incident Incident { get; init; }

    /// <summary>The runbook's name.</summary>
    public required string Runbook { get; init; }

    /// <summary>The step's name.</summary>
    public required string Step { get; init; }

    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Where a rollback is recorded (Get-DeploymentHistory shows it); null for no record.</summary>
    public DeploymentRecordStore? DeploymentRecords { get; init; }

    /// <summary>How a .ps1 script is run: the PowerShell executable and the arguments before -File (the cmdlet passes the running PowerShell).</summary>
    public IReadOnlyList<string> PowerShell { get; init; } = ["pwsh"];
}
