using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>One line of an engine stream for a progress display: the text, and for a build the step N of M it belongs to.</summary>
public sealed record ImageProgress(string Message, int Step = 0, int Steps = 0);

/// <summary>
/// Reads the JSON messages of an engine stream (build or push) as they arrive. The stream is a
/// 200 answer whatever happens, so success is decided here: an errorDetail anywhere fails the
/// operation, and the step running when it came is remembered to name it.
/// </summary>
internal sealed partial class EngineStreamReader(IProgress<ImageProgress>? progress) : IProgress<JSONMessage>
{
    private readonly List<IDictionary<string, object>> _aux = [];

    /// <summary>The step line the engine printed last ("Step 2/3 : COPY a /"), or null before the first.</summary>
    public string? CurrentStep { get; private set; }

    public int Step { get; private set; }

    public int Steps { get; private set; }

    /// <summary>The first error the stream carried, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The step running when the error came.</summary>
    public string? FailedStep { get; private set; }

    /// <summary>The aux objects (image id of a build; tag, digest and size of a push).</summary>
    public IReadOnlyList<IDictionary<string, object>> Aux => _aux;

    /// <summary>The status lines of a push ("1.0: digest: sha256:... size: 527").</summary>
    public List<string> Statuses { get; } = [];

    public void Report(JSONMessage value)
    {
        if (value.Error is { } error && Error is null)
        {
            Error = string.IsNullOrWhiteSpace(error.Message) ? "the engine reported an error without a message" : error.Message.Trim();
            FailedStep = CurrentStep;
        }
        if (value.Aux?.ExtensionData is { } aux) _aux.Add(aux);
        if (!string.IsNullOrEmpty(value.Stream))
        {
            foreach (var line in value.Stream.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var step = StepLine().Match(line);
                if (step.Success)
                {
                    Step = int.Parse(step.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    Steps = int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                    CurrentStep = line;
                }
                progress?.Report(new ImageProgress(line, Step, Steps));
            }
        }
        if (!string.IsNullOrEmpty(value.Status))
        {
            Statuses.Add(value.Status);
            var detail = value.Progress is { Total: > 0 } p ? $" {p.Current}/{p.Total}" : "";
            progress?.Report(new ImageProgress(value.ID is { Length: > 0 } id ? $"{id}: {value.Status}{detail}" : value.Status));
        }
    }

    /// <summary>A string value of the aux objects (ID, Digest, Tag), or null.</summary>
    public string? AuxValue(string key) => _aux.Select(a => a.TryGetValue(key, out var v) ? Text(v) : null).LastOrDefault(v => v is not null);

    private static string? Text(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^Step (\d+)/(\d+) : ")]
    private static partial Regex StepLine();
}
