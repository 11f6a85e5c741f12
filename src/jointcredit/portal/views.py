from django.shortcuts import render

from jointcredit.subjects.models import Subject


def home(request):
    return render(request, "portal/home.html", {"subject_count": Subject.objects.count()})
