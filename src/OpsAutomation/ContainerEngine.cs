using System.Management.Automation;
using OpsAutomation.Core.Deployment.Images;

namespace OpsAutomation;

/// <summary>
/// What Build-ContainerImage and Publish-ContainerImage share: the engine from -DockerHost,
/// DOCKER_HOST or the default socket (no engine is the terminating DockerEngineUnavailable), and
/// the engine's stream lines shown as progress and verbose text.
/// </summary>
internal static class ContainerEngine
{
    /// <summary>The engine, connected with the agreed API version and shared by the process (never dispose it); an unusable address or no engine is terminating.</summary>
    public static async Task<DockerEngine> ConnectAsync(string? dockerHost, CancellationToken cancellationToken)
    {
        Uri host;
        try
        {
            Uri? given = null;
            if (!string.IsNullOrWhiteSpace(dockerHost) && !Uri.TryCreate(dockerHost, UriKind.Absolute, out given))
                throw new ArgumentException($"-DockerHost '{dockerHost}' is not an engine address such as unix:///var/run/docker.sock or tcp://host:2375.");
            host = DockerEngine.ResolveHost(given, Environment.GetEnvironmentVariable);
        }
        catch (ArgumentException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "DockerHostInvalid", ErrorCategory.InvalidArgument, dockerHost ?? Environment.GetEnvironmentVariable("DOCKER_HOST")));
        }
        try
        {
            return await ModuleRuntime.Get().DockerEngines.GetAsync(host, new DockerEngineOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerEngineUnavailableException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "DockerEngineUnavailable", ErrorCategory.ResourceUnavailable, ex.Host.ToString()));
        }
    }

    /// <summary>The registry credential of -Credential; null when none was given.</summary>
    public static RegistryCredential? Credential(PSCredential? credential) =>
        credential is null ? null : new RegistryCredential(credential.UserName, credential.GetNetworkCredential().Password, "-Credential");

    /// <summary>The Docker config file's auths (<paramref name="path"/>, else DOCKER_CONFIG or ~/.docker/config.json); a file that cannot be read is terminating.</summary>
    public static async Task<DockerConfigCredentials> DockerConfigAsync(string? path, CancellationToken cancellationToken)
    {
        path ??= DockerConfigCredentials.DefaultPath(Environment.GetEnvironmentVariable);
        try
        {
            return await DockerConfigCredentials.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerConfigException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "DockerConfigInvalid", ErrorCategory.InvalidData, ex.Path));
        }
    }

    /// <summary>An image reference that breaks the grammar.</summary>
    public static ErrorRecord ReferenceInvalid(ImageReferenceException ex) => new(ex, "ImageReferenceInvalid", ErrorCategory.InvalidArgument, ex.Value);

    /// <summary>Each stream line as verbose text; step lines (and push statuses) also as progress of <paramref name="activityId"/>.</summary>
    public static IProgress<ImageProgress> Progress(OpsCmdlet command, int activityId, string activity) => new Reporter(command, activityId, activity);

    public static void Complete(OpsCmdlet command, int activityId, string activity) =>
        command.WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });

    private sealed class Reporter(OpsCmdlet command, int activityId, string activity) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value)
        {
            command.WriteVerbose(value.Message);
            var record = new ProgressRecord(activityId, activity, value.Message.Length > 0 ? value.Message : activity);
            if (value.Steps > 0) record.PercentComplete = Math.Clamp((value.Step - 1) * 100 / value.Steps, 0, 100);
            command.WriteProgress(record);
        }
    }
}
