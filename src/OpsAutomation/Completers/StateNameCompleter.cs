using System.Collections;
using System.Data.Common;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.State;

namespace OpsAutomation.Completers;

/// <summary>
/// Completes names kept in the state store of -StatePath (else OPS_STATE_PATH or the default).
/// Never throws and never creates a store: no database, no completions; a store that does not
/// answer within a second completes nothing rather than hold up the prompt.
/// </summary>
public abstract class StateNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var bound = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            if (Completions.BoundString(fakeBoundParameters, "StatePath") is { } statePath) bound["StatePath"] = Completions.ResolvePath(statePath);
            var settings = SettingsLoader.Load(null, Environment.GetEnvironmentVariable, bound);
            if (!File.Exists(Path.Combine(settings.StatePath, StateStore.FileName))) return [];
            using var timeout = new CancellationTokenSource(Limit);
            var read = Task.Run(async () =>
            {
                var store = await ModuleRuntime.Get().GetStateStoreAsync(settings.StatePath, timeout.Token).ConfigureAwait(false);
                return await NamesAsync(store, timeout.Token).ConfigureAwait(false);
            }, timeout.Token);
            return read.Wait(Limit * 2) ? Completions.Matching(read.Result, wordToComplete) : [];
        }
        catch (Exception ex) when (ex is ConfigurationException or StateStoreException or DbException or IOException or UnauthorizedAccessException
            or OperationCanceledException or AggregateException or RuntimeException)
        {
            return [];
        }
    }

    /// <summary>The names to offer, read from <paramref name="store"/>.</summary>
    protected abstract Task<IReadOnlyList<string>> NamesAsync(StateStore store, CancellationToken cancellationToken);
}

/// <summary>Completes service names from the health history.</summary>
public sealed class HistoryServiceNameCompleter : StateNameCompleter
{
    protected override Task<IReadOnlyList<string>> NamesAsync(StateStore store, CancellationToken cancellationToken) =>
        new HealthHistoryStore(store).NamesAsync(cancellationToken);
}

/// <summary>Completes pipeline names from the pipeline runs kept in the state store.</summary>
public sealed class PipelineNameCompleter : StateNameCompleter
{
    protected override Task<IReadOnlyList<string>> NamesAsync(StateStore store, CancellationToken cancellationToken) =>
        new PipelineRunStore(store).NamesAsync(cancellationToken);
}
