using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Commands;

/// <summary>Builds an image from a context folder with the Docker engine; pipe it to Publish-ContainerImage.</summary>
// "Build" is an approved verb (Lifecycle) since PowerShell 6; PowerShellStandard 5.1 has no constant for it.
[Cmdlet("Build", "ContainerImage", HelpUri = "docs/Build-ContainerImage.md", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerImageBuild))]
public sealed class BuildContainerImageCommand : OpsCmdlet
{
    private const int ProgressActivityId = 0x4F60;
    private const string Activity = "Build-ContainerImage";

    /// <summary>The build context folder. Default: the current location.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ContextPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = ".";

    /// <summary>The Dockerfile, inside or outside the context. Default: Dockerfile in the context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Dockerfile { get; set; }

    /// <summary>References to tag the image with, such as registry:5000/team/web:1.2.</summary>
    [Parameter]
    [Alias("Tags")]
    public string[] Tag { get; set; } = [];

    /// <summary>Values of the Dockerfile's ARGs, such as @{ VERSION = '1.2' }.</summary>
    [Parameter]
    public Hashtable? BuildArgument { get; set; }

    /// <summary>The stage to build. Default: the last.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>Labels to set on the image; they win over the OCI labels from git.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Build without the engine's layer cache.</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    /// <summary>Leave out the OCI labels from git (revision, source, created).</summary>
    [Parameter]
    public SwitchParameter NoGitLabel { get; set; }

    /// <summary>The engine's address. Default: DOCKER_HOST, else the default socket.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerHost { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var options = new ImageBuildOptions
        {
            ContextPath = ResolvePath(Path),
            Dockerfile = Dockerfile is null ? null : ResolvePath(Dockerfile),
            Tags = Tag,
            BuildArguments = Strings(BuildArgument),
            Target = Target,
            Labels = Strings(Label),
            GitLabels = !NoGitLabel,
            NoCache = NoCache,
        };
        WriteDebug($"Build-ContainerImage context {options.ContextPath}, Dockerfile {options.Dockerfile ?? "Dockerfile"}, tags {string.Join(", ", Tag)}, target {Target ?? "(last)"}, build arguments {string.Join(", ", options.BuildArguments.Keys)}");
        var tags = Tag.Length == 0 ? "no tag" : string.Join(", ", Tag);
        if (!await ShouldProcessAsync(options.ContextPath, $"Build an image ({tags})").ConfigureAwait(false)) return;
        try
        {
            // Missing inputs are named before the engine is asked anything.
            ImageBuildInputs.Check(options);
            var engine = await ContainerEngine.ConnectAsync(DockerHost, cancellationToken).ConfigureAwait(false);
            WriteVerbose($"Docker engine {engine.Host}, API {engine.ApiVersion}");
            var build = await engine.Builder(ModuleRuntime.Get().Time)
                .BuildAsync(options, ContainerEngine.Progress(this, ProgressActivityId, Activity), WriteVerbose, cancellationToken).ConfigureAwait(false);
            WriteObject(build);
        }
        catch (ImageBuildInputException ex)
        {
            throw ErrorRecords.Terminating(ex.Problem switch
            {
                ImageBuildInputProblem.DockerfileNotFound => new ErrorRecord(ex, "DockerfileNotFound", ErrorCategory.ObjectNotFound, ex.Path),
                ImageBuildInputProblem.ContextUnreadable => new ErrorRecord(ex, "BuildContextUnreadable", ErrorCategory.ReadError, ex.Path),
                _ => new ErrorRecord(ex, "BuildContextNotFound", ErrorCategory.ObjectNotFound, ex.Path),
            });
        }
        catch (ImageReferenceException ex)
        {
            throw ErrorRecords.Terminating(ContainerEngine.ReferenceInvalid(ex));
        }
        catch (ImageBuildException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "ImageBuildFailed", ErrorCategory.InvalidResult, ex.Step ?? options.ContextPath));
        }
        finally
        {
            ContainerEngine.Complete(this, ProgressActivityId, Activity);
        }
    }

    private static Dictionary<string, string> Strings(Hashtable? table) => (table ?? []).Cast<DictionaryEntry>()
        .ToDictionary(e => LanguagePrimitives.ConvertTo<string>(e.Key), e => LanguagePrimitives.ConvertTo<string>(e.Value) ?? "", StringComparer.Ordinal);
}
