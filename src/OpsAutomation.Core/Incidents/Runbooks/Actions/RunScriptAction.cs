using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>
/// RunScript: runs a script file as a child process (a .ps1 with PowerShell's -File, anything else
/// as an executable), with the incident in OPS_INCIDENT_* environment variables, a timeout (the
/// process tree is killed), standard output and error captured up to a limit, and its exit code
/// checked. Arguments: Path (required, must exist), Arguments (a list; placeholders expanded),
/// TimeoutSec (default 60), MaxOutputBytes (default 65536), ExpectedExitCode (default 0). High-impact.
/// </summary>
public sealed class RunScriptAction : IRunbookAction
{
    public string Name => "RunScript";

    public IReadOnlyList<string> Keys { get; } = ["Path", "Arguments", "TimeoutSec", "MaxOutputBytes", "ExpectedExitCode"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(5, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var path = binding.FullPath(arguments, "Path") ?? throw arguments.Error("is required: the script file to run", "Path");
        if (!File.Exists(path)) throw arguments.Error($"the script {path} does not exist", "Path");
        var list = new List<string>();
        var raw = arguments.GetStringList("Arguments");
        for (var i = 0; i < raw.Count; i++)
            list.Add(VariableExpanderFor(arguments, binding, i, raw[i]));
        return new Plan(path, list, TimeSpan.FromSeconds(arguments.GetDouble("TimeoutSec", 0.1, 24 * 3600) ?? 60),
            arguments.GetInt("MaxOutputBytes", 256, 16 * 1024 * 1024) ?? 64 * 1024, arguments.GetInt("ExpectedExitCode", int.MinValue, int.MaxValue) ?? 0);
    }

    private static string VariableExpanderFor(ConfigurationMap arguments, RunbookBinding binding, int index, string value)
    {
        var itemPath = ConfigurationTree.Item(arguments.KeyPath("Arguments"), index);
        var item = new ConfigurationMap(new Dictionary<string, object?> { ["v"] = value }, arguments.Origin, itemPath, _ => itemPath);
        return binding.Text(item, "v") ?? "";
    }

    private sealed class Plan(string path, IReadOnlyList<string> arguments, TimeSpan timeout, int maxOutput, int expectedExitCode) : RunbookActionPlan
    {
        public override string Target => $"script {path}";

        public override string Description => $"run it{(arguments.Count > 0 ? $" with {arguments.Count} argument{(arguments.Count == 1 ? "" : "s")}" : "")}, at most {Models.DurationText.Format(timeout)}";

        public override bool HighImpact => true;

        public override async Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var start = Path.GetExtension(path).Equals(".ps1", StringComparison.OrdinalIgnoreCase)
                ? Start(context.PowerShell[0], [.. context.PowerShell.Skip(1), "-NoProfile", "-NonInteractive", "-File", path, .. arguments])
                : Start(path, arguments);
            start.Environment["OPS_INCIDENT_ID"] = context.Incident.Id;
            start.Environment["OPS_INCIDENT_SERVICE"] = context.Incident.Service;
            start.Environment["OPS_INCIDENT_SEVERITY"] = context.Incident.Severity.ToString();
            start.Environment["OPS_RUNBOOK"] = context.Runbook;
            start.Environment["OPS_RUN_ID"] = context.RunId;

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new RunbookActionException($"{path} did not start");
            }
            catch (Win32Exception ex)
            {
                throw new RunbookActionException($"{start.FileName} cannot run: {ex.Message}", ex);
            }
            using (process)
            {
                process.StandardInput.Close();
                var output = new BoundedText(maxOutput);
                var error = new BoundedText(maxOutput);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(timeout);
                var reading = Task.WhenAll(output.DrainAsync(process.StandardOutput, CancellationToken.None), error.DrainAsync(process.StandardError, CancellationToken.None));
                try
                {
                    await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Kill(process);
                    await DrainedAsync(reading).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new RunbookActionException($"did not finish within {Models.DurationText.Format(timeout)} and was killed{Tail(context, output, error)}");
                }
                await DrainedAsync(reading).ConfigureAwait(false);
                var code = process.ExitCode;
                return code == expectedExitCode
                    ? $"exited with {code.ToString(CultureInfo.InvariantCulture)}{Tail(context, output, error)}"
                    : throw new RunbookActionException($"exited with {code.ToString(CultureInfo.InvariantCulture)}, not {expectedExitCode.ToString(CultureInfo.InvariantCulture)}{Tail(context, output, error)}");
            }
        }

        private static ProcessStartInfo Start(string file, IEnumerable<string> args)
        {
            var start = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? Environment.CurrentDirectory,
            };
            foreach (var argument in args) start.ArgumentList.Add(argument);
            return start;
        }

        /// <summary>Waits a moment for the pipes to close; a grandchild that keeps them open does not hold the step.</summary>
        private static async Task DrainedAsync(Task reading)
        {
            try
            {
                await reading.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // What was read so far is kept.
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the deadline and the kill.
            }
        }

        /// <summary>The last lines of output and error, redacted, for the message.</summary>
        private static string Tail(RunbookActionContext context, BoundedText output, BoundedText error)
        {
            var parts = new List<string>();
            if (output.Text.Trim() is { Length: > 0 } o) parts.Add($"output: {Last(o)}{(output.Truncated ? " (truncated)" : "")}");
            if (error.Text.Trim() is { Length: > 0 } e) parts.Add($"error: {Last(e)}{(error.Truncated ? " (truncated)" : "")}");
            return parts.Count == 0 ? "" : "; " + context.Redactor.Redact(string.Join("; ", parts));
        }

        private static string Last(string text) => text.Length <= 500 ? text : "..." + text[^497..];
    }

    /// <summary>Keeps the first <c>limit</c> bytes of a stream as text, reads and drops the rest, so the child never blocks on a full pipe.</summary>
    private sealed class BoundedText(int limit)
    {
        private readonly StringBuilder _text = new();
        private int _bytes;

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (_text) return _text.ToString();
            }
        }

        public async Task DrainAsync(StreamReader reader, CancellationToken cancellationToken)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                lock (_text)
                {
                    if (_bytes >= limit)
                    {
                        Truncated = true;
                        continue;
                    }
                    var take = Math.Min(read, limit - _bytes);
                    _text.Append(buffer, 0, take);
                    _bytes += Encoding.UTF8.GetByteCount(buffer, 0, take);
                    if (take < read) Truncated = true;
                }
            }
        }
    }
}
