#Requires -Version 7.4

<#
.SYNOPSIS
    Deploys the sample service (examples/deployments) with one of the three strategies.
.EXAMPLE
    ./examples/deployments/Deploy-Sample.ps1 -Registry 127.0.0.1:5000 -Strategy Canary -Version 1.1.0
    With KUBECONFIG pointing at a cluster (or `./build.ps1 Sandbox`), a Docker engine and a registry.
    -ErrorRate 1 deploys a version whose answers fail (on the sandbox): it is rolled back.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Registry,
    [ValidateSet('Rolling', 'Canary', 'BlueGreen')] [string] $Strategy = 'Rolling',
    [string] $Version = '1.0.0',
    [ValidateRange(0, 1)] [double] $ErrorRate = 0,
    [pscredential] $Credential
)
$ErrorActionPreference = 'Stop'
# The image is FROM scratch: it carries Debian's static busybox to serve its page.
$busybox = @('/bin/busybox', '/usr/bin/busybox') | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $busybox) { throw 'The sample image needs busybox-static (apt-get install busybox-static).' }
Copy-Item $busybox (Join-Path $PSScriptRoot 'sample' 'busybox') -Force

$env:SAMPLE_REGISTRY = $Registry
$env:SAMPLE_VERSION = $Version
$env:ERROR_RATE = "$ErrorRate"
$spec = Join-Path $PSScriptRoot "$($Strategy.ToLowerInvariant()).psd1"
$deploy = @{ Path = $spec }
if ($Credential) { $deploy.Credential = $Credential }
Invoke-Deployment @deploy
