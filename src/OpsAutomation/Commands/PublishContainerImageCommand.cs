using System.Management.Automation;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>Pushes images through the Docker engine and confirms each pushed digest with the registry.</summary>
[Cmdlet(VerbsData.Publish, "ContainerImage", HelpUri = "docs/Publish-ContainerImage.md", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerImagePublication))]
public sealed class PublishContainerImageCommand : OpsCmdlet
{
    private const int ProgressActivityId = 0x4F61;
    private const string Activity = "Publish-ContainerImage";

    private DockerEngine? _engine;
    private DockerConfigCredentials? _config;

    /// <summary>The references to push (registry/repository:tag); binds the Tags of Build-ContainerImage.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Tags")]
    [ValidateNotNullOrEmpty]
    public string[] Image { get; set; } = [];

    /// <summary>The registry's user name and password. Default: the auths of the Docker config file.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The Docker config file whose auths are used without -Credential. Default: DOCKER_CONFIG/config.json, else ~/.docker/config.json.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerConfig { get; set; }

    /// <summary>The engine's address. Default: DOCKER_HOST, else the default socket.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerHost { get; set; }

    /// <summary>The deadline of each request to the registry (the digest confirmation) in seconds. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 10;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        foreach (var image in Image)
        {
            if (!await ShouldProcessAsync(image, "Push the image and confirm its digest").ConfigureAwait(false)) continue;
            _engine ??= await ContainerEngine.ConnectAsync(DockerHost, cancellationToken).ConfigureAwait(false);
            var registry = new RegistryClient(runtime.Http.Get(), HttpLimits.Api with { Timeout = TimeSpan.FromSeconds(TimeoutSec) });
            var publisher = _engine.Publisher(registry, runtime.Time);
            try
            {
                var credential = await CredentialForAsync(image, cancellationToken).ConfigureAwait(false);
                WriteDebug($"Publish-ContainerImage {image} as {credential?.ToString() ?? "anonymous"} through {_engine.Host} (API {_engine.ApiVersion})");
                WriteObject(await publisher.PublishAsync(image, credential, ContainerEngine.Progress(this, ProgressActivityId, Activity), cancellationToken).ConfigureAwait(false));
            }
            catch (ImageReferenceException ex)
            {
                WriteError(ContainerEngine.ReferenceInvalid(ex));
            }
            catch (RegistryAuthenticationException ex)
            {
                WriteError(new ErrorRecord(ex, "RegistryAuthenticationFailed", ErrorCategory.AuthenticationError, image));
            }
            catch (ImagePushException ex)
            {
                WriteError(new ErrorRecord(ex, "ImagePushFailed", ErrorCategory.InvalidResult, image));
            }
            catch (RegistryManifestNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "RegistryManifestNotFound", ErrorCategory.ObjectNotFound, image));
            }
            catch (ImageDigestMismatchException ex)
            {
                WriteError(new ErrorRecord(ex, "ImageDigestMismatch", ErrorCategory.InvalidResult, image));
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                WriteError(ErrorRecords.Http(ex, "RegistryRequestFailed", image));
            }
            finally
            {
                ContainerEngine.Complete(this, ProgressActivityId, Activity);
            }
        }
    }

    // -Credential for every image; else the config file's auths, read once, for the image's registry.
    private async Task<RegistryCredential?> CredentialForAsync(string image, CancellationToken cancellationToken)
    {
        if (ContainerEngine.Credential(Credential) is { } given) return given;
        _config ??= await ContainerEngine.DockerConfigAsync(DockerConfig is null ? null : ResolvePath(DockerConfig), cancellationToken).ConfigureAwait(false);
        return _config.Find(ImageReferenceParser.Parse(image, "-Image").Registry);
    }
}
