using System.Management.Automation;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>Writes the module's registry as a node_exporter textfile-collector file, atomically.</summary>
[Cmdlet(VerbsData.Export, "MetricTextFile", HelpUri = "docs/Export-MetricTextFile.md", SupportsShouldProcess = true)]
[OutputType(typeof(MetricTextFile))]
public sealed class ExportMetricTextFileCommand : OpsCmdlet
{
    /// <summary>The file to write, such as /var/lib/prometheus/node-exporter/opsautomation.prom.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var path = ResolvePath(Path);
        if (!await ShouldProcessAsync(path, "Write metrics").ConfigureAwait(false)) return;
        var runtime = ModuleRuntime.Get();
        try
        {
            var bytes = await MetricTextFileWriter.WriteAsync(runtime.Metrics, path, cancellationToken).ConfigureAwait(false);
            WriteObject(new MetricTextFile { Path = path, Bytes = bytes, Timestamp = runtime.Time.GetUtcNow() });
        }
        catch (DirectoryNotFoundException ex)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"The folder '{System.IO.Path.GetDirectoryName(path)}' of -Path '{Path}' does not exist.", ex),
                "MetricTextFileFolderNotFound", ErrorCategory.ObjectNotFound, path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "MetricTextFileFailed", ErrorCategory.WriteError, path));
        }
    }
}
