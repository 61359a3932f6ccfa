namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>The built-in actions by name (case-insensitive).</summary>
public static class RunbookActions
{
    private static readonly IReadOnlyDictionary<string, IRunbookAction> ByName = new IRunbookAction[]
    {
        new RestartDeploymentAction(), new ScaleDeploymentAction(), new RollbackDeploymentAction(), new DeletePodAction(),
        new CleanDirectoryAction(), new WebhookAction(), new RunScriptAction(),
    }.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every action's name, in a stable order, for messages and completion.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The action called <paramref name="name"/>; null when there is none.</summary>
    public static IRunbookAction? Find(string name) => ByName.GetValueOrDefault(name);
}
