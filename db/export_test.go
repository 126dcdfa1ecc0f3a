package db

var CompareVersions = compareVersions
