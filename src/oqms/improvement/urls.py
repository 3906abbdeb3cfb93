from oqms.improvement.ui import ImprovementUI, LessonUI

app_name = "improvement"
urlpatterns = [*ImprovementUI.urls(), *LessonUI.urls()]
