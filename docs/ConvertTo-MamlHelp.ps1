#Requires -Version 7.4
<#
.SYNOPSIS
    Generates the module's help: MAML from docs/<Cmdlet>.md and the built cmdlets' metadata, and
    about_*.help.txt topics from docs/about_*.md, beside it in the en-US folder.
.DESCRIPTION
    The markdown gives the words (synopsis, description, examples, parameter descriptions,
    inputs, outputs, notes); the imported module gives the syntax (parameter sets, types,
    positions, pipeline input, aliases), so the help never disagrees with the code. A cmdlet
    without a page, a page without a synopsis or two examples, or a parameter without a
    description fails the build, naming what is missing. (platyPS is not on the package
    registries these machines reach, hence this small generator.)

    A parameter's default value is the "Default ..." sentence of its description, else the
    value the cmdlet starts with (a switch: False), else None. Each cmdlet's HelpUri names its
    page relative to the repository (docs/<Cmdlet>.md); with -OnlineBaseUri the help gets that
    page's address under it as the online version, which Get-Help -Online opens.
.EXAMPLE
    ./docs/ConvertTo-MamlHelp.ps1 -ModulePath output/OpsAutomation/0.1.0/OpsAutomation.psd1 -DocsPath docs -OutputPath output/OpsAutomation/0.1.0/en-US/OpsAutomation.dll-Help.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Where the repository's files are published, such as https://example.org/OpsAutomation/blob/main/.
    [uri] $OnlineBaseUri
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Read-HelpMarkdown {
    param([Parameter(Mandatory)] [string] $Path)
    $page = [ordered]@{ Synopsis = ''; Description = ''; Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = @{}; Inputs = [ordered]@{}; Outputs = [ordered]@{}; Notes = '' }
    $section = $null; $item = $null; $buffer = [System.Collections.Generic.List[string]]::new()
    $inCode = $false; $code = $null

    $flush = {
        $text = ($buffer -join "`n").Trim()
        $buffer.Clear()
        switch ($section) {
            'SYNOPSIS' { $page.Synopsis = $text }
            'DESCRIPTION' { $page.Description = $text }
            'NOTES' { $page.Notes = $text }
            'EXAMPLES' { if ($item) { $item.Remarks = $text } }
            'PARAMETERS' { if ($item) { $page.Parameters[$item] = $text } }
            'INPUTS' { if ($item) { $page.Inputs[$item] = $text } }
            'OUTPUTS' { if ($item) { $page.Outputs[$item] = $text } }
        }
    }

    foreach ($line in Get-Content $Path) {
        if ($line -match '^```') {
            if ($inCode) { $item.Code = ($code -join "`n"); $inCode = $false }
            elseif ($section -eq 'EXAMPLES' -and $item) { $inCode = $true; $code = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        if ($inCode) { $code.Add($line); continue }
        if ($line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim().ToUpperInvariant(); $item = $null; continue }
        if ($line -match '^### (.+)$') {
            & $flush
            $title = $Matches[1].Trim()
            if ($section -eq 'EXAMPLES') { $item = [pscustomobject]@{ Title = $title; Code = ''; Remarks = '' }; $page.Examples.Add($item) }
            elseif ($section -eq 'PARAMETERS') { $item = $title.TrimStart('-') }
            else { $item = $title }
            continue
        }
        if ($line -match '^# ') { continue }
        $buffer.Add($line)
    }
    & $flush
    $page
}

function Write-Paragraphs([System.Xml.XmlWriter] $Xml, [string] $Text) {
    $paragraphs = @($Text -split "`n\s*`n" | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ })
    if ($paragraphs.Count -eq 0) { $paragraphs = @('') }
    foreach ($paragraph in $paragraphs) { $Xml.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
}

function Get-TypeName([type] $Type) {
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return Get-TypeName $Type.GetGenericArguments()[0] }
    $Type.Name
}

# The default a person reads under "Default value": the description's own words first, since
# many defaults come from settings (TimeoutSec 0 in code means "the setting, 10").
function Get-DefaultValue($Parameter, [string] $Description, $Instance) {
    if ($Description -creplace '\s+', ' ' -cmatch '(?:^|[.:;] )Default(?: value)?:? (.+?)(?:\.(?: |$)|;|$)') { return $Matches[1] }
    if ($Parameter.ParameterType -eq [switch]) { return 'False' }
    $value = $Instance.($Parameter.Name)
    if ($null -eq $value -or ($value -is [array] -and $value.Count -eq 0) -or ($value -is [ValueType] -and $value -isnot [enum] -and $value -eq [Activator]::CreateInstance($value.GetType()))) { return 'None' }
    if ($value -is [array]) { return $value -join ', ' }
    "$value"
}

function Write-Parameter([System.Xml.XmlWriter] $Xml, $Parameter, $SetParameter, [string] $Description, [string] $Default) {
    $pipeline = @()
    if ($SetParameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetParameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $Xml.WriteStartElement('command', 'parameter', $CommandNs)
    $Xml.WriteAttributeString('required', "$($SetParameter.IsMandatory)".ToLowerInvariant())
    $Xml.WriteAttributeString('variableLength', 'true')
    $Xml.WriteAttributeString('globbing', 'false')
    $Xml.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $Xml.WriteAttributeString('position', $(if ($SetParameter.Position -ge 0) { "$($SetParameter.Position)" } else { 'named' }))
    $Xml.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Xml.WriteElementString('maml', 'name', $MamlNs, $Parameter.Name)
    $Xml.WriteStartElement('maml', 'description', $MamlNs); Write-Paragraphs $Xml $Description; $Xml.WriteEndElement()
    $typeName = Get-TypeName $Parameter.ParameterType
    if ($Parameter.ParameterType -ne [switch]) {
        $Xml.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Xml.WriteAttributeString('required', 'true'); $Xml.WriteAttributeString('variableLength', 'false')
        $Xml.WriteString($typeName); $Xml.WriteEndElement()
    }
    $Xml.WriteStartElement('dev', 'type', $DevNs); $Xml.WriteElementString('maml', 'name', $MamlNs, $typeName); $Xml.WriteEndElement()
    $Xml.WriteElementString('dev', 'defaultValue', $DevNs, $Default)
    $Xml.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $Xml, [string] $ListName, [string] $ItemName, $Items) {
    $Xml.WriteStartElement('command', $ListName, $CommandNs)
    foreach ($name in $Items.Keys) {
        $Xml.WriteStartElement('command', $ItemName, $CommandNs)
        $Xml.WriteStartElement('dev', 'type', $DevNs); $Xml.WriteElementString('maml', 'name', $MamlNs, $name); $Xml.WriteEndElement()
        $Xml.WriteStartElement('maml', 'description', $MamlNs); Write-Paragraphs $Xml $Items[$name]; $Xml.WriteEndElement()
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()
}

function ConvertTo-Maml {
    param([Parameter(Mandatory)] $Command, [Parameter(Mandatory)] $Page, [Parameter(Mandatory)] [System.Xml.XmlWriter] $Xml)
    $problems = [System.Collections.Generic.List[string]]::new()
    if (-not $Page.Synopsis) { $problems.Add('no SYNOPSIS') }
    if (-not $Page.Description) { $problems.Add('no DESCRIPTION') }
    if ($Page.Examples.Count -lt 2) { $problems.Add("$($Page.Examples.Count) example(s); at least 2 are required") }
    foreach ($example in $Page.Examples) { if (-not $example.Code) { $problems.Add("example '$($example.Title)' has no code block") } }
    $parameters = @($Command.Parameters.Values | Where-Object { $_.Name -notin $CommonParameters })
    foreach ($parameter in $parameters) { if (-not $Page.Parameters[$parameter.Name]) { $problems.Add("parameter -$($parameter.Name) is not described") } }
    foreach ($documented in $Page.Parameters.Keys) { if ($documented -notin $parameters.Name) { $problems.Add("documents -$documented, which the cmdlet does not have") } }
    if ($Command.HelpUri -ne "docs/$($Command.Name).md") { $problems.Add("HelpUri is '$($Command.HelpUri)', not docs/$($Command.Name).md") }
    if ($problems.Count) { throw "Help for $($Command.Name) is incomplete: $($problems -join '; ')." }
    $instance = [Activator]::CreateInstance($Command.ImplementingType)
    $defaults = @{}
    foreach ($parameter in $parameters) { $defaults[$parameter.Name] = Get-DefaultValue $parameter $Page.Parameters[$parameter.Name] $instance }

    $Xml.WriteStartElement('command', 'command', $CommandNs)
    $Xml.WriteStartElement('command', 'details', $CommandNs)
    $Xml.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $Xml.WriteElementString('command', 'verb', $CommandNs, $Command.Verb)
    $Xml.WriteElementString('command', 'noun', $CommandNs, $Command.Noun)
    $Xml.WriteStartElement('maml', 'description', $MamlNs); Write-Paragraphs $Xml $Page.Synopsis; $Xml.WriteEndElement()
    $Xml.WriteEndElement()
    $Xml.WriteStartElement('maml', 'description', $MamlNs); Write-Paragraphs $Xml $Page.Description; $Xml.WriteEndElement()

    $Xml.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($set in $Command.ParameterSets) {
        $Xml.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $Xml.WriteElementString('maml', 'name', $MamlNs, $Command.Name)
        foreach ($setParameter in $set.Parameters | Where-Object { $_.Name -notin $CommonParameters } | Sort-Object { $_.Position -ge 0 ? $_.Position : [int]::MaxValue }) {
            Write-Parameter $Xml $Command.Parameters[$setParameter.Name] $setParameter $Page.Parameters[$setParameter.Name] $defaults[$setParameter.Name]
        }
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()

    $Xml.WriteStartElement('command', 'parameters', $CommandNs)
    foreach ($parameter in $parameters) {
        $first = $parameter.ParameterSets.Values | Select-Object -First 1
        Write-Parameter $Xml $parameter $first $Page.Parameters[$parameter.Name] $defaults[$parameter.Name]
    }
    $Xml.WriteEndElement()

    Write-TypeList $Xml 'inputTypes' 'inputType' $Page.Inputs
    Write-TypeList $Xml 'returnValues' 'returnValue' $Page.Outputs
    $Xml.WriteStartElement('maml', 'alertSet', $MamlNs); $Xml.WriteStartElement('maml', 'alert', $MamlNs); Write-Paragraphs $Xml $Page.Notes; $Xml.WriteEndElement(); $Xml.WriteEndElement()

    $Xml.WriteStartElement('command', 'examples', $CommandNs)
    foreach ($example in $Page.Examples) {
        $Xml.WriteStartElement('command', 'example', $CommandNs)
        $Xml.WriteElementString('maml', 'title', $MamlNs, "-------------------------- $($example.Title) --------------------------")
        $Xml.WriteElementString('dev', 'code', $DevNs, $example.Code)
        $Xml.WriteStartElement('dev', 'remarks', $DevNs); Write-Paragraphs $Xml $example.Remarks; $Xml.WriteEndElement()
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()

    if ($OnlineBaseUri) {
        $Xml.WriteStartElement('maml', 'relatedLinks', $MamlNs)
        $Xml.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $Xml.WriteElementString('maml', 'linkText', $MamlNs, 'Online Version:')
        $Xml.WriteElementString('maml', 'uri', $MamlNs, [uri]::new($OnlineBaseUri, $Command.HelpUri).AbsoluteUri)
        $Xml.WriteEndElement()
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()
}

# An about topic as Get-Help shows it: headings at the margin, text indented four spaces, code
# eight; markdown's own marks (fences, backticks, heading hashes) left out.
function ConvertTo-AboutText([string] $Path) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $inCode = $false
    foreach ($line in Get-Content $Path) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { $lines.Add(($line ? "        $line" : '')); continue }
        if ($line -match '^# (about_\w+)\s*$') { $lines.Add('TOPIC'); $lines.Add("    $($Matches[1])"); continue }
        if ($line -match '^## (.+)$') { $lines.Add($Matches[1].Trim().ToUpperInvariant()); continue }
        if ($line -match '^###+ (.+)$') { $lines.Add("  $($Matches[1].Trim())"); continue }
        $lines.Add(($line ? '    ' + ($line -replace '`', '') : ''))
    }
    ($lines -join [Environment]::NewLine) + [Environment]::NewLine
}

$module = Import-Module $ModulePath -PassThru -Force
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if ($commands.Count -eq 0) { throw "$ModulePath exports no cmdlet." }

New-Item -ItemType Directory (Split-Path $OutputPath) -Force | Out-Null
$temporary = "$OutputPath.tmp"
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$xml = [System.Xml.XmlWriter]::Create($temporary, $settings)
try {
    $xml.WriteStartElement('helpItems', 'http://msh')
    $xml.WriteAttributeString('schema', 'maml')
    $xml.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $xml.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $xml.WriteAttributeString('xmlns', 'dev', $null, $DevNs)
    foreach ($command in $commands) {
        $page = Join-Path $DocsPath "$($command.Name).md"
        if (-not (Test-Path $page)) { throw "Cmdlet $($command.Name) has no help page: $page is missing." }
        ConvertTo-Maml -Command $command -Page (Read-HelpMarkdown $page) -Xml $xml
    }
    $xml.WriteEndElement()
}
finally {
    $xml.Dispose()
}
Move-Item $temporary $OutputPath -Force

foreach ($topic in Get-ChildItem $DocsPath -Filter 'about_*.md') {
    $text = ConvertTo-AboutText $topic.FullName
    if ($text -notmatch "(?m)^TOPIC\r?\n    $([regex]::Escape($topic.BaseName))\r?\n") { throw "$($topic.FullName) does not start with '# $($topic.BaseName)'." }
    if ($text -notmatch '(?m)^SHORT DESCRIPTION$') { throw "$($topic.FullName) has no '## SHORT DESCRIPTION', which Get-Help shows as the topic's synopsis." }
    Set-Content (Join-Path (Split-Path $OutputPath) "$($topic.BaseName).help.txt") $text -NoNewline -Encoding utf8NoBOM
}
